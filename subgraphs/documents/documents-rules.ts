import { allow, type IRules } from 'graphql-shield';
import { allowedTo, isFirmMember } from '../shared/authz.ts';

/** graphql-shield rules of the documents subgraph; every type not named here is denied. */
export const documentsRules: IRules = {
  Query: {
    document: allowedTo('document:read'),
    _entities: isFirmMember,
    _service: allow,
  },
  Client: allowedTo('document:read'),
  Document: allowedTo('document:read'),
  DocumentConnection: allow,
  DocumentEdge: allow,
  PageInfo: allow,
  _Service: allow,
};
