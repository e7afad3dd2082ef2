import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".thoth/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Functions log through lib/logger.ts (structured, level-aware); the CLI and scripts talk to a person.
    files: ["functions/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["functions/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: ["@aws-sdk/*", "@pulumi/*", "**/adapters/**", "**/mcp-server/**", "**/refresh/**"] },
      ],
    },
  },
);
