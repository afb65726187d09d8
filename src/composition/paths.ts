import { fileURLToPath } from 'node:url';

/** The package root, from dist/src/composition/ or src/composition/. */
const here = fileURLToPath(new URL('.', import.meta.url));
export const PACKAGE_ROOT = here.replace(/[\\/](dist[\\/])?src[\\/]composition[\\/]?$/, '');
export const MIGRATIONS_DIR = `${PACKAGE_ROOT}/migrations`;
