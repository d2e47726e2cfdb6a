import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Deepest field nesting an operation may have (fragments flattened; introspection's `__schema` exempt). */
export const MAX_DEPTH = 10;
/** Most aliases an operation may use, `__typename` aliases included. */
export const MAX_ALIASES = 15;
/** Most directives an operation may carry, known or not. */
export const MAX_DIRECTIVES = 50;
/** Most lexical tokens a document may have; the parser stops at the first one over. */
export const MAX_TOKENS = 1000;
/** Most validation errors one response lists, so a document of repeated mistakes cannot amplify. */
const MAX_VALIDATION_ERRORS = 10;

/** What each refusal tells the client. The limits themselves are never stated. */
const MESSAGES = {
  depth: 'The query is nested too deeply.',
  aliases: 'The query uses too many aliases.',
  directives: 'The query uses too many directives.',
  tokens: 'The query document is too large.',
  repeatedDirective: 'The query repeats a directive on one location.',
} as const;

/**
 * Refuses a document that names one directive twice on the same node (`__typename @aa @aa`), known
 * or not, with one error. Every directive FirmGraph's API defines is non-repeatable, so such a
 * document is invalid anyway (GraphQL spec, "Directives Are Unique Per Location"); refusing it as
 * one error keeps graphql-js's rules from reporting each repetition of an unknown directive on its
 * own, which let a short document buy many errors (`onlyRepeatedDirective` drops the rest).
 */
const RepeatedDirectiveRule: ValidationRule = (context) => ({
  Document(document) {
    let repeated = false;
    visit(document, {
      enter(node) {
        if (repeated || !('directives' in node) || !node.directives || node.directives.length < 2) return;
        const names = node.directives.map((directive) => directive.name.value);
        if (new Set(names).size < names.length) repeated = true;
      },
    });
    if (repeated) context.reportError(new GraphQLError(MESSAGES.repeatedDirective));
  },
});

/** The errors to answer: the repeated-directive refusal alone when it is among them, else all of them. */
function onlyRepeatedDirective<E extends Error>(errors: readonly E[]): readonly E[] {
  const repeated = errors.find((error) => error.message === MESSAGES.repeatedDirective);
  return repeated ? [repeated] : errors;
}

/** graphql-js's parse error at the token limit; its message states the limit: "Document contains more that N tokens". */
const TOKEN_LIMIT_ERROR = /^Syntax Error: Document contains more th\w+ \d+ tokens/;

/** graphql-js's suggestion at the end of a message: ` Did you mean "name"?`, `… the enum value "ACTIVE"?`. */
const SUGGESTION = / ?Did you mean .+?\?$/s;

/** Reports a refusal on the validation context; Apollo returns it as GRAPHQL_VALIDATION_FAILED with HTTP 400. */
const refuse =
  (message: string) =>
  (context: ValidationContext | null): void => {
    context?.reportError(new GraphQLError(message));
  };

/**
 * The structural query limits (README "API limits"), for the gateway's Apollo Server options:
 * `validationRules` (a directive repeated on one node, answered as one error, then graphql-armor's
 * depth, alias and directive limits), `parseOptions` (graphql-js's
 * own token limit, which stops the parser early) and `validationOptions` (at most
 * `MAX_VALIDATION_ERRORS` errors). Every refusal happens before execution, with a fixed message
 * that does not echo the limit: GRAPHQL_VALIDATION_FAILED, or GRAPHQL_PARSE_FAILED for the token
 * limit, both HTTP 400. The cost limit is `rateLimitPlugin`'s, with the one cost model of
 * `operationCost`.
 *
 * @param options.hideSuggestions strip graphql-js's "Did you mean …?" from every error (production):
 *   from validation errors and from the variable errors the gateway raises at execution, which
 *   Apollo's `hideSchemaDetailsFromClientErrors` does not reach.
 */
export function queryLimits<T extends BaseContext>(options: {
  hideSuggestions: boolean;
}): {
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
  validationOptions: { maxErrors: number };
  plugin: ApolloServerPlugin<T>;
  /**
   * Parses and validates a document outside Apollo's request pipeline (the gateway's graphql-ws
   * server), with the same limits and the same messages: `document` when it passes, else `errors`.
   */
  checkDocument(
    schema: GraphQLSchema,
    source: string,
  ): { document: DocumentNode; errors: [] } | { document: null; errors: readonly GraphQLError[] };
} {
  const { validationRules } = new ApolloArmor({
    maxDepth: {
      n: MAX_DEPTH,
      flattenFragments: true,
      ignoreIntrospection: true,
      exposeLimits: false,
      propagateOnRejection: false,
      onReject: [refuse(MESSAGES.depth)],
    },
    maxAliases: {
      n: MAX_ALIASES,
      allowList: [],
      exposeLimits: false,
      propagateOnRejection: false,
      onReject: [refuse(MESSAGES.aliases)],
    },
    maxDirectives: {
      n: MAX_DIRECTIVES,
      exposeLimits: false,
      propagateOnRejection: false,
      onReject: [refuse(MESSAGES.directives)],
    },
    // graphql-js counts tokens in the parser itself; armor's Apollo token plugin parses twice and answers HTTP 500.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  validationRules.unshift(RepeatedDirectiveRule);
  const hide = (error: GraphQLError) => {
    if (options.hideSuggestions) error.message = error.message.replace(SUGGESTION, '');
    return error;
  };
  return {
    checkDocument: (schema, source) => {
      let document: DocumentNode;
      try {
        document = parse(source, { maxTokens: MAX_TOKENS });
      } catch (error) {
        const syntax = error as GraphQLError;
        if (TOKEN_LIMIT_ERROR.test(syntax.message)) syntax.message = MESSAGES.tokens;
        return { document: null, errors: [syntax] };
      }
      const errors = onlyRepeatedDirective(
        validate(schema, document, [...specifiedRules, ...validationRules], { maxErrors: MAX_VALIDATION_ERRORS }),
      );
      return errors.length > 0 ? { document: null, errors: errors.map(hide) } : { document, errors: [] };
    },
    validationRules,
    parseOptions: { maxTokens: MAX_TOKENS },
    validationOptions: { maxErrors: MAX_VALIDATION_ERRORS },
    plugin: {
      async requestDidStart() {
        return {
          async parsingDidStart() {
            return async (error) => {
              if (error && TOKEN_LIMIT_ERROR.test(error.message)) error.message = MESSAGES.tokens;
            };
          },
          async validationDidStart() {
            // Apollo answers with the array validation returned: narrowed here, before it is sent.
            return async (errors) => {
              if (!errors) return;
              const kept = onlyRepeatedDirective(errors);
              if (kept !== errors) (errors as Error[]).splice(0, errors.length, ...kept);
            };
          },
          async didEncounterErrors({ errors }) {
            if (!options.hideSuggestions) return;
            for (const error of errors) error.message = error.message.replace(SUGGESTION, '');
          },
        };
      },
    },
  };
}
