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
  // Rules of the house: which rooms may import which.
  ...houseRules(),
);

/**
 * One no-restricted-imports entry per room. Flat config replaces a rule per file rather than merging it, so a
 * room inside functions/ gets the functions/ patterns plus its own.
 */
function houseRules() {
  const rule = (files, ...patterns) => ({
    files,
    rules: { "no-restricted-imports": ["error", { patterns }] },
  });
  const functions = [
    { group: ["**/infra/**", "@pulumi/*"], message: "functions/ never import infra/ or Pulumi." },
    {
      group: ["**/cli/**", "**/scripts/**", "**/test/**"],
      message: "functions/ ship to Lambda: no CLI, scripts or tests.",
    },
  ];
  return [
    rule(["shared/**/*.ts"], {
      group: ["**/functions/**", "**/infra/**", "**/cli/**", "**/scripts/**", "**/test/**"],
      message: "shared/ is imported by infra and functions alike: it imports nothing of ours.",
    }),
    rule(["infra/**/*.ts"], {
      group: ["**/functions/**", "**/cli/**", "**/test/**"],
      message: "infra/ and functions/ never import each other; share through shared/.",
    }),
    rule(["functions/**/*.ts"], ...functions),
    rule(["functions/adapters/**/*.ts"], ...functions, {
      group: ["**/mcp-server/**", "**/refresh/**"],
      message: "Adapters implement ports; they never import handlers.",
    }),
    rule(
      ["functions/core/**/*.ts"],
      ...functions,
      { group: ["@aws-sdk/*"], message: "core/ is pure: no cloud SDK." },
      {
        group: ["**/adapters/**", "**/mcp-server/**", "**/refresh/**", "**/lib/**", "**/composition*"],
        message: "core/ depends on ports only: no adapters, handlers or runtime wiring.",
      },
    ),
    rule(["scripts/**/*.ts"], {
      group: ["**/test/**"],
      message: "Scripts never import tests; move shared helpers to scripts/.",
    }),
  ];
}
