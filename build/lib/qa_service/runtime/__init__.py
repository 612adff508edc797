"""Adapters with I/O, threads or processes: the engine, index persistence, encoders, caches, the query log."""
