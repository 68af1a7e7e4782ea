"""Built-in CRM targets (crmTarget): each sends a CallSummarized to the vendor its own way."""
