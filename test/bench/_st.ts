import { fastGemmStatus } from "../../src/linalg/fast.ts"; import "../../src/linalg/index.ts"; console.log(fastGemmStatus());
