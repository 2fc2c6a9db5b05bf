// Registers every API route module (each calls route(...) at import time) and re-exports the dispatcher.
import "./catalog";
export { handleApi } from "./router";
