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
  // Rules of the house: which rooms may import which. Each is the only no-restricted-imports entry for its
  // files (flat config replaces a rule per file, it does not merge), so the fuller lists repeat the general ones.
  {
    files: ["shared/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/functions/**", "**/infra/**", "**/cli/**", "**/scripts/**", "**/test/**"],
              message: "shared/ is imported by infra and functions alike: it imports nothing of ours.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["infra/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/functions/**", "**/cli/**", "**/test/**"],
              message: "infra/ and functions/ never import each other; share through shared/.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/infra/**", "@pulumi/*"], message: "functions/ never import infra/ or Pulumi." },
            {
              group: ["**/cli/**", "**/scripts/**", "**/test/**"],
              message: "functions/ ship to Lambda: no CLI, scripts or tests.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["functions/adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/infra/**", "@pulumi/*"], message: "functions/ never import infra/ or Pulumi." },
            {
              group: ["**/cli/**", "**/scripts/**", "**/test/**"],
              message: "functions/ ship to Lambda: no CLI, scripts or tests.",
            },
            {
              group: ["**/mcp-server/**", "**/refresh/**"],
              message: "Adapters implement ports; they never import handlers.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["functions/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@aws-sdk/*", "@pulumi/*", "**/infra/**"],
              message: "core/ is pure: no cloud SDK, no Pulumi.",
            },
            {
              group: ["**/adapters/**", "**/mcp-server/**", "**/refresh/**", "**/lib/**", "**/composition*"],
              message: "core/ depends on ports only: no adapters, handlers or runtime wiring.",
            },
            {
              group: ["**/cli/**", "**/scripts/**", "**/test/**"],
              message: "functions/ ship to Lambda: no CLI, scripts or tests.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/test/**"],
              message: "Scripts never import tests; move shared helpers to scripts/.",
            },
          ],
        },
      ],
    },
  },
);
