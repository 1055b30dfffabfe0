"""flyctl: the client (the only code that runs it), its JSON shapes in every era, and the
typed constructors of every mutating command."""
