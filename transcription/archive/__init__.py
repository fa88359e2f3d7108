"""What every export of transcripts shares: which version a role reads (`sources`) and pseudonymous demographics
(`demographics`). The study archive itself lives in the exports app (`exports.archive`)."""
