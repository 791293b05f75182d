"""optout-bot: answers questions about LinkedIn's generative-AI training opt-out."""
