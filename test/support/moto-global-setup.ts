import { startMoto, type MotoServer } from "./moto.js";

let moto: MotoServer | undefined;

/**
 * Tests that talk to AWS APIs use the emulator named by AWS_ENDPOINT_URL. When the caller
 * (`.ci/run`, or a developer) has not started one, start it here for the length of the run.
 */
export async function setup(): Promise<void> {
  if (!process.env.AWS_ENDPOINT_URL) {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.url;
  }
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "testing";
  process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
}

export async function teardown(): Promise<void> {
  await moto?.stop();
}
