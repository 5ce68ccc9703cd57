global using TopOfHeart.Contracts.Alerts;
global using TopOfHeart.Contracts.Events;
global using TopOfHeart.Contracts.Figures;
global using TopOfHeart.Grains.Relay;
global using TopOfHeart.Relay.Tests.TestKit;
global using static TopOfHeart.Relay.Tests.TestKit.Ev;
