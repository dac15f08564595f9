// Placeholder: tests come with the module's issue.
