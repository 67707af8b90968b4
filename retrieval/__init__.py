"""Embeddings, the Chroma and BM25 indexes, the hybrid retriever and the answer chain."""
