// Swagger UI over this server's spec. Every file comes from this server (no inline script,
// no CDN); the API token goes in through "Authorize" (the spec's HTTP bearer scheme).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  // The default validator badge sends the spec's URL to validator.swagger.io.
  validatorUrl: null,
});
