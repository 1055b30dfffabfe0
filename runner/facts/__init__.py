"""Read-only knowledge about an app: pure functions from text to frozen facts."""
