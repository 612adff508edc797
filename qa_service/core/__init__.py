"""The pure core: documents, chunking, embedding, index, retrieval, safety, answers. Never imports Flask."""
