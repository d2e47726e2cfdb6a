import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  BREAK,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionNode,
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
/**
 * Most times one response key (the alias, else the field's name) may appear in one selection set,
 * counting the fields its fragments add. Repeated copies merge into one key of output, yet each is
 * validated (graphql-js compares overlapping fields pairwise) and planned, so a document of cheap
 * tokens buys work: graphql-cop's "Field Duplication" check sends `__typename` 500 times
 * (github.com/dolevf/graphql-cop, lib/tests/dos_field_duplication.py), well under `MAX_TOKENS`.
 * OWASP GraphQL Cheat Sheet, "Query Limiting":
 * https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html
 */
export const MAX_FIELD_REPEATS = 10;
/** Most validation errors one response lists, so a document of repeated mistakes cannot amplify. */
const MAX_VALIDATION_ERRORS = 10;

/** What each refusal tells the client. The limits themselves are never stated. */
const MESSAGES = {
  depth: 'The query is nested too deeply.',
  aliases: 'The query uses too many aliases.',
  directives: 'The query uses too many directives.',
  tokens: 'The query document is too large.',
  repeatedDirective: 'The query repeats a directive on one location.',
  repeatedField: 'The query repeats a field too many times.',
} as const;

/**
 * Refuses a document that names one directive twice on the same node (`__typename @aa @aa`), known
 * or not, with one error. Every directive FirmGraph's API defines is non-repeatable, so such a
 * document is invalid anyway (GraphQL spec, "Directives Are Unique Per Location"); refusing it as
 * one error keeps graphql-js's rules from reporting each repetition of an unknown directive on its
 * own, which let a short document buy many errors (`onlyRepetitionRefusal` drops the rest).
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

/**
 * Refuses a document in which one selection set names a response key more than `MAX_FIELD_REPEATS`
 * times, with one error. Inline fragments and fragment spreads count as part of the selection set
 * they sit in (their fields merge into it), whatever their type condition. Each fragment's counts
 * are computed once, so nested spreads cannot make the count itself expensive; a fragment cycle
 * (invalid, reported by graphql-js) counts as empty.
 */
const RepeatedFieldRule: ValidationRule = (context) => ({
  Document(document) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const fragmentCounts = new Map<string, Map<string, number>>();
    const inProgress = new Set<string>();
    const countKeys = (selections: readonly SelectionNode[]): Map<string, number> => {
      const counts = new Map<string, number>();
      const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
      for (const selection of selections) {
        if (selection.kind === Kind.FIELD) add(selection.alias?.value ?? selection.name.value, 1);
        else if (selection.kind === Kind.INLINE_FRAGMENT) {
          for (const [key, n] of countKeys(selection.selectionSet.selections)) add(key, n);
        } else {
          for (const [key, n] of countFragment(selection.name.value)) add(key, n);
        }
      }
      return counts;
    };
    const countFragment = (name: string): Map<string, number> => {
      const known = fragmentCounts.get(name);
      if (known) return known;
      const fragment = fragments.get(name);
      if (!fragment || inProgress.has(name)) return new Map();
      inProgress.add(name);
      const counts = countKeys(fragment.selectionSet.selections);
      inProgress.delete(name);
      fragmentCounts.set(name, counts);
      return counts;
    };
    let repeated = false;
    visit(document, {
      SelectionSet(set) {
        if (repeated) return BREAK;
        for (const n of countKeys(set.selections).values()) if (n > MAX_FIELD_REPEATS) repeated = true;
        return undefined;
      },
    });
    if (repeated) context.reportError(new GraphQLError(MESSAGES.repeatedField));
  },
});

/** A refusal answered alone: a document refused for a repetition is not also reported per repeated copy. */
const ANSWERED_ALONE: ReadonlySet<string> = new Set([MESSAGES.repeatedDirective, MESSAGES.repeatedField]);

/** The errors to answer: the first repetition refusal alone when one is among them, else all of them. */
function onlyRepetitionRefusal<E extends Error>(errors: readonly E[]): readonly E[] {
  const repeated = errors.find((error) => ANSWERED_ALONE.has(error.message));
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
 * `validationRules` (a directive repeated on one node, or a field repeated more than
 * `MAX_FIELD_REPEATS` times in one selection set, each answered as one error, then graphql-armor's
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
  validationRules.unshift(RepeatedDirectiveRule, RepeatedFieldRule);
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
      const errors = onlyRepetitionRefusal(
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
              const kept = onlyRepetitionRefusal(errors);
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
