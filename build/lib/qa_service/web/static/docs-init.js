/* Renders /openapi.json with the Swagger UI files served by this service (no other hosts). */
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
