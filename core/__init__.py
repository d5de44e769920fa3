"""Request infrastructure below the domain layer: settings, database, context, authentication."""
