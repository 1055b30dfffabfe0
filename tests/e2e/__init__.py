"""End-to-end tests on real Rails apps generated offline by Debian's Rails (README
"Development")."""
