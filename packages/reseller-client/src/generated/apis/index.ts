export * from './ConnectivityApi';
export * from './EntitlementsApi';
export * from './EventsApi';
export * from './SandboxApi';
