/** An error in the models project (SQL, YAML, tests) that names the file and line to fix. */
export class ModelError extends Error {}
