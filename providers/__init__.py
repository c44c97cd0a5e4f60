"""The provider framework: adapters that fetch quotes from insurers and lenders, and the registry
that holds them. Nothing here knows about Flask or the ranking."""
