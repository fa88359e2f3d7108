"""The study archive and the pieces every export shares (readable versions, pseudonymous demographics)."""
