export { runShop } from './runShop.js';
export type { ShopOptions } from './runShop.js';
export { traceShop } from './traceShop.js';
export type { TracedShopOptions } from './traceShop.js';
