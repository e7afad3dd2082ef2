import { describe, expect, it } from "vitest";
import {
  assertLeastPrivilege,
  bundleReadStatements,
  mergeStatements,
  policyDocument,
  secretReadStatements,
  type PolicyStatement,
} from "../../../infra/policies.js";

const allow = (Sid: string, Action: string[], Resource: string[]): PolicyStatement => ({
  Sid,
  Effect: "Allow",
  Action,
  Resource,
});

describe("assertLeastPrivilege", () => {
  it.each([["s3:*"], ["*"], ["dynamodb:Get*"]])("fails on the wildcard action %s", (action) => {
    expect(() => assertLeastPrivilege(policyDocument([allow("Bad", [action], ["arn:aws:s3:::b"])]))).toThrow(
      /wildcard action/,
    );
  });

  it("fails on a wildcard resource for an action that has a narrower form", () => {
    expect(() => assertLeastPrivilege(policyDocument([allow("Bad", ["s3:GetObject"], ["*"])]))).toThrow(
      /on every resource/,
    );
  });

  it("accepts exact ARNs", () => {
    expect(() => assertLeastPrivilege(policyDocument(bundleReadStatements("arn:aws:s3:::b")))).not.toThrow();
  });
});

describe("statement builders", () => {
  it("scopes bundle reads to the collections/ prefix, and lists the bucket unconditionally (404 for missing keys)", () => {
    expect(bundleReadStatements("arn:aws:s3:::b")).toEqual([
      allow("ReadIndexBundles", ["s3:GetObject"], ["arn:aws:s3:::b/collections/*"]),
      // No s3:prefix condition: a GetObject request has none, so S3 would answer a missing key with 403.
      allow("ListIndexBundles", ["s3:ListBucket"], ["arn:aws:s3:::b"]),
    ]);
  });

  it("grants nothing when there is no secret to read", () => {
    expect(secretReadStatements("ReadNone", [])).toEqual([]);
  });

  it("drops identical duplicate statements and renames differing ones", () => {
    const a = allow("Same", ["s3:GetObject"], ["arn:1"]);
    const b = allow("Same", ["s3:PutObject"], ["arn:2"]);
    const merged = mergeStatements([a, a, b]);
    expect(merged.map((s) => s.Sid)).toEqual(["Same", "Same1"]);
  });
});
