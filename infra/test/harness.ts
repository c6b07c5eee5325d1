// The mocks live beside the program (infra/render) so the AWS twin renders stacks the same way.
export * from '../render/mocks.ts';
