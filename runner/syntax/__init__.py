"""Parsers shared by facts and handlers: TOML (both readers, exact error positions) and Ruby
(tree-sitter parse trees)."""
