/** Types that cross the boundary between infra/, functions/ and the CLI. */

export const SOURCE_TYPES = ["local", "gitlab", "sigma", "s3"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const SEARCH_MODES = ["hybrid", "semantic", "keyword"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
