import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { postgresClient, throughSocket } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { migrateDatabase } from '../../db/migrate.ts';
import { SERVICES, serviceDatabaseUrls, type Service } from '../../db/roles.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Privileged connection to the throwaway test database (owner-level checks, catalog queries). */
    adminUrl: string;
    /** Each service's connection to the same database, as its own role (db/roles.ts `SERVICE_ROLES`). */
    serviceUrls: Record<Service, string>;
  }
}

/**
 * One throwaway database for the whole run: a fresh embedded PostgreSQL in a temp directory by
 * default, or, when DATABASE_URL is set, a new database on that server, dropped at the end.
 * Tests share it and stay independent by creating their own firms.
 */
export default async function setup(project: TestProject) {
  const servicePassword = randomBytes(12).toString('hex');
  const external = process.env.DATABASE_URL;
  let teardown: () => Promise<void>;
  let adminUrl: string;
  // The embedded server is reached as services reach it (its Unix socket); an external one as DATABASE_URL says.
  let socketDir: string | undefined;
  if (external) {
    const name = `firmgraph_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    const server = postgresClient(external, { max: 1, onnotice: () => {} });
    await server.unsafe(`create database ${name}`);
    await server.end();
    const url = new URL(external);
    url.pathname = `/${name}`;
    adminUrl = url.toString();
    teardown = async () => {
      const cleanup = postgresClient(external, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    };
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'firmgraph-test-pg-'));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: 20000 + Math.floor(Math.random() * 20000),
      password: randomBytes(12).toString('hex'),
      database: 'firmgraph_test',
      persistent: false,
    });
    adminUrl = server.adminUrl;
    socketDir = server.socketDir;
    teardown = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  await migrateDatabase(adminUrl, servicePassword);
  project.provide('adminUrl', adminUrl);
  const urls = serviceDatabaseUrls(adminUrl, servicePassword);
  project.provide(
    'serviceUrls',
    Object.fromEntries(
      SERVICES.map((service) => [service, socketDir ? throughSocket(urls[service], socketDir) : urls[service]]),
    ) as Record<Service, string>,
  );
  return teardown;
}
