"""The knowledge base: articles, their Markdown files and the Markdown subset they are written in."""
