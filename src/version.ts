// The version distsum reports (`--version`, User-Agent); kept in step with package.json.

/** This build's version. */
export const VERSION = '0.1.0';
