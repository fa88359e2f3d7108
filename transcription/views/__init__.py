"""Pages and endpoints of the transcription app; every one goes through studies.permissions."""
