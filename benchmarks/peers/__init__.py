"""Other chat servers, measured side by side with the project (figure 11)."""
