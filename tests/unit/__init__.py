"""Unit tests of the pure core modules (no server, no database): one module per core
module, for rules where a spec test over HTTP would be a long way round."""
