"""Search: the Whoosh text index, the in-memory catalog, and the one service that combines them."""
