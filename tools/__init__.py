"""Build-time tools run from the repository (not part of the runtime package): the model build."""
