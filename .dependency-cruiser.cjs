/**
 * The import boundaries of the repository (README, "Layout"), checked by `npm run lint:boundaries`
 * (dependency-cruiser, https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md).
 */
module.exports = {
  forbidden: [
    {
      name: 'platform-owns-no-domain',
      comment: 'platform/ is shared by the gateway and every subgraph, and owned by neither: it imports neither.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(gateway|subgraphs)/' },
    },
    {
      name: 'db-owns-no-domain',
      comment: 'db/ (schema, migrations, connections) imports nothing from the gateway or the subgraphs.',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^(gateway|subgraphs)/' },
    },
    {
      name: 'subgraphs-meet-through-entities',
      comment: 'A subgraph never imports another subgraph: they meet through federation entity references.',
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'subgraphs-know-no-gateway',
      comment: 'Subgraphs are served by any gateway or router; they import nothing from gateway/.',
      severity: 'error',
      from: { path: '^subgraphs/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'gateway-knows-subgraphs-by-url-and-sdl',
      comment:
        'The gateway knows subgraphs only by URL and SDL: no subgraph code, and of db/ only the connection ' +
        '(the event bus and the rate-limit spend function).',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^(subgraphs/|db/)', pathNot: '^db/client\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
