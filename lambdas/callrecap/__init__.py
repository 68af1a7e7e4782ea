"""callrecap: serverless contact-center call summarization (Lambda code package)."""

__version__ = "0.1.0"
