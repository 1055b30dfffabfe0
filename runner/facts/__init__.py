"""Facts read from an app's files offline (no Ruby, no network)."""
