import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_PLATFORMS, type LambdaArchitecture } from "../../shared/config.js";
import { IMAGE_TARGETS, type ImageTags, type ImageTarget } from "../../shared/artifacts.js";

export interface ImagesArgs {
  repositoryName: string;
  /** The functions' CPU: the images are built for its platform. */
  architecture: LambdaArchitecture;
  /** Each image's own Docker build context from `npm run package` (each holds a Dockerfile), relative. */
  contexts: Record<ImageTarget, string>;
  /** A content-hash tag per Dockerfile target, from `npm run package`. */
  tags: ImageTags;
  /** Images kept in the repository (older ones expire). Default 20: ten deploys of both functions. */
  keepImages?: number;
  /** Prod keeps the repository when the stack is destroyed by mistake. */
  protect: boolean;
  resourceTags?: Record<string, string>;
}

/**
 * The functions' container images: one ECR repository, and one image per function, each built by `pulumi up`
 * from its own context (functions/Dockerfile and only that function's files) for the stack's architecture
 * (linux/amd64 or linux/arm64; the natives compile inside the Lambda base image of that architecture). A change to one function leaves the other's context, tag and image
 * alone.
 *
 * Each image is tagged with the hash of its content, so a changed handler is a new tag and the function's image
 * URI changes. The repository is MUTABLE on purpose: Docker builds are not byte-reproducible, so rebuilding
 * unchanged content pushes a new digest under the same tag, which an IMMUTABLE repository refuses. Lambda pins
 * the digest it was deployed with, so a moved tag never changes a running function.
 *
 * Images outlive the deploys that made them: each is a docker-build Image retained on delete, under one logical
 * name per function (awsx.ecr.Image names its child after the tag, so a new tag replaced the child and deleted
 * the old image from ECR, and a rollback of the `live` alias pointed at an image that was gone). The repository's
 * lifecycle rule expires them, keeping the newest `keepImages`: the versions a rollback can reach.
 */
export class Images extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly images: Record<ImageTarget, dockerBuild.Image>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("thoth:infra:Images", name, {}, opts);
    const keep = args.keepImages ?? 20;
    if (!Number.isInteger(keep) || keep < IMAGE_TARGETS.length) {
      throw new Error(`Images: keepImages must be an integer of at least ${IMAGE_TARGETS.length}`);
    }
    this.repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: args.repositoryName,
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: !args.protect,
        tags: args.resourceTags,
      },
      { parent: this, protect: args.protect },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-repository-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the ${keep} newest images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    // Push credentials for the stack's registry, as awsx obtained them.
    const token = aws.ecr.getAuthorizationTokenOutput(
      { registryId: this.repository.registryId },
      { parent: this },
    );
    const registry = {
      address: this.repository.repositoryUrl.apply((url) => url.split("/")[0]!),
      username: token.userName,
      password: pulumi.secret(token.password),
    };
    this.images = Object.fromEntries(
      IMAGE_TARGETS.map((target) => {
        const ref = pulumi.interpolate`${this.repository.repositoryUrl}:${args.tags[target]}`;
        const context = args.contexts[target];
        const image = new dockerBuild.Image(
          `${name}-${target}`,
          {
            tags: [ref],
            context: { location: context },
            dockerfile: { location: `${context}/Dockerfile` },
            platforms: [DOCKER_PLATFORMS[args.architecture]],
            push: true,
            registries: [registry],
            // The previous image of this function is the build cache (inline), as awsx did.
            cacheFrom: [{ registry: { ref } }],
            cacheTo: [{ inline: {} }],
          },
          { parent: this, retainOnDelete: true },
        );
        return [target, image];
      }),
    ) as Record<ImageTarget, dockerBuild.Image>;
    this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl });
  }

  /** The URI Lambda deploys: the repository and the pushed digest. */
  imageUri(target: ImageTarget): pulumi.Output<string> {
    return pulumi.interpolate`${this.repository.repositoryUrl}@${this.images[target].digest}`;
  }
}
