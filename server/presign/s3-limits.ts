/** S3's multipart rules: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them. */
export const MIB = 1024 ** 2;
export const MIN_PART = 5 * MIB;
export const MAX_PART = 5 * 1024 * MIB;
export const MAX_PARTS = 10_000;
