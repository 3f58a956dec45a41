"""SQLAlchemy 2 persistence: the one implementation of every feature's storage Protocols."""
