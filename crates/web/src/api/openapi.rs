//! `GET /api/openapi.json`, generated from the handlers' annotations and the action table.

use axum::Json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, ObjectBuilder, Ref, Required, ResponseBuilder, Type};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::http::action;

#[derive(OpenApi)]
#[openapi(
    info(title = "bancheng 办成 API", version = "1", description = "“办不成事”反映窗口事项管理系统 JSON API v1"),
    paths(
        api::auth::issue_token, api::auth::revoke_token, api::auth::me, api::auth::change_password,
        api::units::list, api::cases::create, api::cases::list, api::cases::get, api::cases::events,
        api::cases::search, api::cases::attach, api::cases::attachment, api::ledger::xlsx,
    ),
    components(schemas(
        crate::http::error::ErrorBody, crate::http::error::ErrorDetail,
        action::Empty, action::DispatchBody, action::ReasonBody, action::ExtensionBody,
        action::NoteBody, action::FeedbackBody, action::EscalateBody, action::NegativeBody,
        action::ResolveBody, action::ConfirmBody, action::VerifyBody, action::VisitBody,
        action::ReverifyBody, action::NoticeBody, action::SuperviseBody, action::AssignBody,
        action::MergeBody, action::CorrectBody, api::auth::PasswordChange,
    )),
    modifiers(&Actions),
)]
struct ApiDoc;

/// Adds the bearer scheme and one documented path per case action.
struct Actions;

impl Modify for Actions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        for def in bancheng_domain::case::ACTION_TABLE {
            let (name, body) = (def.code, action::body_schema(def.action));
            let roles: Vec<&str> = def.roles.iter().map(|r| r.label()).collect();
            let description = format!("{}。可执行角色：{}", def.article, roles.join("、"));
            let error = |d: &str| {
                ResponseBuilder::new()
                    .description(d)
                    .content("application/json", Content::new(Some(Ref::from_schema_name("ErrorBody"))))
                    .build()
            };
            let op = OperationBuilder::new()
                .tag("case actions")
                .summary(Some(def.label))
                .description(Some(description))
                .operation_id(Some(format!("case_{}", name.replace('-', "_"))))
                .parameter(
                    ParameterBuilder::new()
                        .name("number")
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .description(Some("事项编号"))
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
                )
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content("application/json", Content::new(Some(Ref::from_schema_name(body))))
                        .build(),
                ))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("The case after the action")
                        .content("application/json", Content::new(Some(Ref::from_schema_name("CaseDto"))))
                        .build(),
                )
                .response("401", error("未登录"))
                .response("403", error("角色或单位无权执行"))
                .response("404", error("事项不存在"))
                .response("409", error("当前状态不允许，或事项已被他人修改"))
                .response("422", error("输入不正确（field 指明字段）"))
                .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
                .build();
            doc.paths.add_path_operation(
                format!("/api/v1/cases/{{number}}/{name}"),
                vec![HttpMethod::Post],
                op,
            );
        }
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
