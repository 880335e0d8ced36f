export { runShop } from './runShop.js';
export type { ShopOptions } from './runShop.js';
