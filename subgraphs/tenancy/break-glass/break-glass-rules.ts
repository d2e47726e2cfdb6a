import { rule } from 'graphql-shield';
import { unauthenticated } from '../../../platform/errors.ts';
import type { Actor } from '../../../platform/signed-context.ts';

/** graphql-shield rule: a signed-in platform operator, with or without a live grant. */
export const isOperator = rule('isOperator', { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
  context.actor.kind === 'ANONYMOUS' ? unauthenticated() : context.actor.kind === 'OPERATOR',
);
