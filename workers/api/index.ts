// Registers every API route module (each calls route(...) at import time) and re-exports the dispatcher.
import "./catalog";
import "./availability";
import "./bookings";
import "./live";
import "./payments";
export { handleApi, registeredRoutes } from "./router";
