// Placeholder: filled in by the ckit issue.
