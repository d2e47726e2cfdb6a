import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { SUPERGRAPH_PATH } from './platform/schema-files.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from './platform/subgraph-names.ts';

// Typed resolvers per subgraph (federation: true). Mappers point GraphQL types at the store's row
// types, so a resolver's `parent` is the row it really receives. Paths are relative to the output.
const mappers: Record<SubgraphName, Record<string, string>> = {
  tenancy: {
    Firm: '../../../db/schema/tenancy.ts#FirmRow',
    User: '../../../db/schema/tenancy.ts#UserRow',
    Membership: '../identity/identity-model.ts#MembershipModel',
    MembershipConnection: '../../../platform/relay.ts#Connection<MembershipModel>',
    MembershipEdge: '../../../platform/relay.ts#Edge<MembershipModel>',
    Invitation: '../../../db/schema/tenancy.ts#InvitationRow',
    Viewer: '../identity/identity-model.ts#ViewerModel',
    Session: '../identity/identity-model.ts#IssuedSession',
    AuditLogEntry: '../../../db/schema/audit.ts#AuditLogRow',
    AuditLogConnection: '../../../platform/relay.ts#Connection<AuditLogRow>',
    AuditLogEdge: '../../../platform/relay.ts#Edge<AuditLogRow>',
    ApiKey: '../../../db/schema/api-keys.ts#ApiKeyRow',
    ApiKeyConnection: '../../../platform/relay.ts#Connection<ApiKeyRow>',
    ApiKeyEdge: '../../../platform/relay.ts#Edge<ApiKeyRow>',
    PlatformOperator: '../break-glass/break-glass-model.ts#OperatorSummary',
    OperatorSession: '../break-glass/break-glass-model.ts#IssuedOperatorSession',
    BreakGlassGrant: '../break-glass/break-glass-model.ts#BreakGlassGrantModel',
    BreakGlassGrantConnection: '../../../platform/relay.ts#Connection<BreakGlassGrantModel>',
    BreakGlassGrantEdge: '../../../platform/relay.ts#Edge<BreakGlassGrantModel>',
    PortalUser: '../../../db/schema/portal.ts#PortalUserRow',
    PortalSession: '../portal/portal-model.ts#IssuedPortalSession',
    PortalViewer: '../portal/portal-model.ts#PortalViewerModel',
  },
  crm: {
    Client: '../../../db/schema/crm.ts#ClientRow',
    ClientConnection: '../../../platform/relay.ts#Connection<ClientRow>',
    ClientEdge: '../../../platform/relay.ts#Edge<ClientRow>',
    Firm: '../clients/client-model.ts#FirmReference',
    Contact: '../../../db/schema/contacts.ts#ContactRow',
    ContactConnection: '../../../platform/relay.ts#Connection<ContactRow>',
    ContactEdge: '../../../platform/relay.ts#Edge<ContactRow>',
    ClientContactLink: '../../../db/schema/contacts.ts#ClientContactRow',
    ClientOrganization: '../../../db/schema/contacts.ts#ClientOrganizationRow',
    MessageThread: '../../../db/schema/messaging.ts#MessageThreadRow',
    Message: '../../../db/schema/messaging.ts#MessageRow',
    MessageConnection: '../../../platform/relay.ts#Connection<MessageRow>',
    MessageEdge: '../../../platform/relay.ts#Edge<MessageRow>',
    MessageThreadConnection: '../../../platform/relay.ts#Connection<MessageThreadRow>',
    MessageThreadEdge: '../../../platform/relay.ts#Edge<MessageThreadRow>',
    User: '../messaging/message-model.ts#ParticipantRef',
    PortalUser: '../messaging/message-model.ts#ParticipantRef',
    Engagement: '../../../db/schema/engagements.ts#EngagementRow',
    EngagementConnection: '../../../platform/relay.ts#Connection<EngagementRow>',
    EngagementEdge: '../../../platform/relay.ts#Edge<EngagementRow>',
  },
  billing: {
    User: '../billing-model.ts#EntityReference',
    Engagement: '../billing-model.ts#EntityReference',
    Firm: '../billing-model.ts#EntityReference',
    Client: '../invoices/invoice-model.ts#BillingClientReference',
    Service: '../../../db/schema/time.ts#ServiceRow',
    Rate: '../../../db/schema/time.ts#RateRow',
    TimeEntry: '../../../db/schema/time.ts#TimeEntryRow',
    TimeEntryConnection: '../../../platform/relay.ts#Connection<TimeEntryRow>',
    TimeEntryEdge: '../../../platform/relay.ts#Edge<TimeEntryRow>',
    RunningTimer: '../timers/timer-model.ts#RunningTimerModel',
    RateConnection: '../../../platform/relay.ts#Connection<RateRow>',
    RateEdge: '../../../platform/relay.ts#Edge<RateRow>',
    EngagementServiceLine: '../services/catalogue-model.ts#EngagementServiceLineModel',
    EngagementBillingArrangement: '../services/catalogue-model.ts#EngagementBillingArrangementModel',
    Invoice: '../../../db/schema/billing.ts#InvoiceRow',
    InvoiceConnection: '../../../platform/relay.ts#Connection<InvoiceRow>',
    InvoiceEdge: '../../../platform/relay.ts#Edge<InvoiceRow>',
    InvoiceLine: '../invoices/invoice-model.ts#InvoiceLineView',
    CreditNote: '../../../db/schema/invoicing.ts#CreditNoteRow',
    CreditNoteLine: '../invoices/invoice-model.ts#CreditNoteLineView',
    ClientBillingProfile: '../invoices/invoice-model.ts#BillingProfile',
    Account: '../../../db/schema/ledger.ts#AccountRow',
    JournalEntry: '../../../db/schema/ledger.ts#JournalEntryRow',
    JournalEntryConnection: '../../../platform/relay.ts#Connection<JournalEntryRow>',
    JournalEntryEdge: '../../../platform/relay.ts#Edge<JournalEntryRow>',
    JournalLine: '../../../db/schema/ledger.ts#JournalLineRow',
    TaxRate: '../../../db/schema/invoicing.ts#TaxRateRow',
    WipReport: '../time-reports/time-report-model.ts#WipReportModel',
    WipRow: '../time-reports/time-report-model.ts#WipRowModel',
    ArAging: '../reports/report-model.ts#ArAgingModel',
    InvoiceRegister: '../reports/report-model.ts#InvoiceRegisterModel',
    InvoiceRegisterEntry: '../reports/report-model.ts#InvoiceRegisterEntryModel',
  },
  documents: {
    Message: '../messages/message-attachment-model.ts#MessageAttachmentsReference',
    Client: '../documents/document-model.ts#DocumentsClientReference',
    Document: '../documents/document-store.ts#DocumentModel',
    DocumentConnection: '../../../platform/relay.ts#Connection<DocumentModel>',
    DocumentEdge: '../../../platform/relay.ts#Edge<DocumentModel>',
    DocumentVersion: '../../../db/schema/documents.ts#DocumentVersionRow',
    Folder: '../../../db/schema/documents.ts#FolderRow',
    SignatureRequest: '../../../db/schema/documents-signatures.ts#SignatureRequestRow',
    Signer: '../../../db/schema/documents-signatures.ts#SignatureSignerRow',
    SignatureField: '../../../db/schema/documents-signatures.ts#SignatureFieldRow',
    SignatureEvent: '../../../db/schema/documents-signatures.ts#SignatureEventRow',
  },
};

const contextTypes: Record<SubgraphName, string> = {
  tenancy: '../tenancy-context.ts#TenancyContext',
  crm: '../crm-context.ts#CrmContext',
  billing: '../billing-context.ts#BillingContext',
  documents: '../documents-context.ts#DocumentsContext',
};

/** The API schema clients see: the committed supergraph without its `join__`/`link__` machinery. */
const apiSchema = printSchema(Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema());

const config: CodegenConfig = {
  overwrite: true,
  // Only `graphql(...)` calls of tests/gql are typed documents; the tests' other operations (the
  // `/* GraphQL */` strings, some deliberately invalid) stay strings.
  pluckConfig: {
    gqlMagicComment: 'typed-document',
    globalGqlIdentifierName: [],
    modules: [
      { name: './gql/index.ts', identifier: 'graphql' },
      { name: '../gql/index.ts', identifier: 'graphql' },
    ],
  },
  generates: {
    // Typed test documents (client preset): `graphql(`...`)` from tests/gql returns a TypedDocumentNode
    // whose result and variables types follow the API schema, so a test selecting a field that does
    // not exist does not compile.
    'tests/gql/': {
      schema: apiSchema,
      documents: ['tests/**/*.ts', '!tests/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Date: 'string', CurrencyCode: 'string', Decimal: 'string' },
      },
    },
    ...Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        `subgraphs/${name}/__generated__/resolvers-types.ts`,
        {
          schema: `schema/${name}.graphql`,
          plugins: [
            { add: { content: '/* Generated by `npm run codegen` from schema/*.graphql. Do not edit. */' } },
            'typescript',
            'typescript-resolvers',
          ],
          config: {
            federation: true,
            useIndexSignature: true,
            useTypeImports: true,
            enumsAsTypes: true,
            contextType: contextTypes[name],
            mappers: mappers[name],
            scalars: { DateTime: 'Date', Date: 'string', CurrencyCode: 'string', Decimal: 'string' },
          },
        },
      ]),
    ),
  },
};

export default config;
