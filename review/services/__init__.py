"""Review services: edits as new versions, redaction, approval. Import from the submodules."""
