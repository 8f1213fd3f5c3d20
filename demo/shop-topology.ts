// The demo's service graph: a small online shop. `from` calls `to`.
import type { Topology } from '../platform/contracts/events.js';

export const SHOP_TOPOLOGY: Topology = {
  tenant: 'default',
  version: 1,
  services: [
    { name: 'frontend', team: 'web', owner: 'web-oncall', userFacing: true },
    { name: 'api-gateway', team: 'platform', owner: 'platform-oncall', userFacing: true },
    { name: 'auth', team: 'identity', owner: 'identity-oncall' },
    { name: 'catalog', team: 'catalog', owner: 'catalog-oncall' },
    { name: 'search', team: 'catalog', owner: 'catalog-oncall' },
    { name: 'recommendations', team: 'ml', owner: 'ml-oncall' },
    { name: 'cart', team: 'checkout', owner: 'checkout-oncall' },
    { name: 'checkout', team: 'checkout', owner: 'checkout-oncall' },
    { name: 'payments', team: 'payments', owner: 'payments-oncall' },
    { name: 'inventory', team: 'fulfilment', owner: 'fulfilment-oncall' },
    { name: 'shipping', team: 'fulfilment', owner: 'fulfilment-oncall' },
    { name: 'redis-cache', team: 'platform', owner: 'platform-oncall' },
    { name: 'orders-db', team: 'data', owner: 'data-oncall' },
    { name: 'users-db', team: 'data', owner: 'data-oncall' },
  ],
  edges: [
    { from: 'frontend', to: 'api-gateway' },
    { from: 'api-gateway', to: 'auth' },
    { from: 'api-gateway', to: 'catalog' },
    { from: 'api-gateway', to: 'search' },
    { from: 'api-gateway', to: 'recommendations' },
    { from: 'api-gateway', to: 'cart' },
    { from: 'api-gateway', to: 'checkout' },
    { from: 'auth', to: 'users-db' },
    { from: 'search', to: 'catalog' },
    { from: 'recommendations', to: 'catalog' },
    { from: 'catalog', to: 'redis-cache' },
    { from: 'cart', to: 'redis-cache' },
    { from: 'checkout', to: 'cart' },
    { from: 'checkout', to: 'payments' },
    { from: 'checkout', to: 'inventory' },
    { from: 'checkout', to: 'shipping' },
    { from: 'checkout', to: 'orders-db' },
    { from: 'inventory', to: 'orders-db' },
  ],
};

/** Services a fault may be injected into: every service that something else calls. */
export const FAULT_TARGETS = ['payments', 'inventory', 'shipping', 'catalog', 'cart', 'redis-cache', 'orders-db', 'users-db', 'auth'];
