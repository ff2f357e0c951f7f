// Word lists the introduction reader is built from (folded: lower case, no accents).

/** Titles that stand alone: what follows them is the company ("dono da padaria", "founder of Acme"). */
export const OWNER_ROLES = [
  'dono', 'dona', 'dueno', 'duena', 'socio', 'socia', 'socio fundador', 'socia fundadora', 'socio-fundador', 'socia-fundadora', 'socio diretor', 'socia diretora', 'socio-diretor',
  'proprietario', 'proprietaria', 'propietario', 'propietaria', 'fundador', 'fundadora', 'cofundador', 'cofundadora', 'co-fundador', 'co-fundadora', 'founder', 'co-founder',
  'cofounder', 'owner', 'co-owner', 'business owner', 'managing partner', 'partner', 'ceo', 'cto', 'cfo', 'coo', 'cmo', 'cio', 'cro', 'cpo', 'cso', 'presidente', 'president',
  'empresario', 'empresaria', 'presidenta', 'vicepresidenta', 'gerenta', 'subgerenta', 'general manager', 'gerente geral', 'gerente general',
  'practice manager', 'office manager', 'store manager', 'branch manager', 'shop owner', 'store owner', 'mecanico', 'mecanica', 'tecnico', 'tecnica', 'broker', 'chief executive officer', 'chief technology officer', 'chief operating officer', 'chief marketing officer', 'chief financial officer',
  'md', 'managing director', 'gm', 'general manager',
  // Professions a small-business lead names as their role ("sou arquiteta e sócia").
  'arquiteto', 'arquiteta', 'arquitecto', 'arquitecta', 'architect', 'advogado', 'advogada', 'abogado', 'abogada', 'lawyer', 'attorney', 'medico', 'medica', 'doctor',
  'dentista', 'dentist', 'corretor', 'corretora', 'realtor', 'contador', 'contadora', 'accountant', 'engenheiro', 'engenheira', 'ingeniero', 'ingeniera', 'psicologo',
  'psicologa', 'nutricionista', 'fisioterapeuta', 'veterinario', 'veterinaria', 'vet', 'farmaceutico', 'farmaceutica', 'esteticista', 'cabeleireiro', 'cabeleireira',
]
/** Titles that take an area: "gerente de operações", "head of marketing", "jefe de ventas". */
export const AREA_ROLES = [
  'gerente', 'diretor', 'diretora', 'director', 'directora', 'coordenador', 'coordenadora', 'coordinador', 'coordinadora', 'analista', 'supervisor', 'supervisora', 'jefe', 'jefa',
  'chefe', 'head', 'vp', 'vice president', 'vice-president', 'vice presidente', 'vice-presidente', 'vicepresidente', 'superintendente', 'encarregado', 'encarregada', 'encargado',
  'encargada', 'responsavel', 'responsable', 'lider', 'gestor', 'gestora', 'executivo', 'executiva', 'ejecutivo', 'ejecutiva', 'especialista', 'consultor', 'consultora',
  'vendedor', 'vendedora', 'assistente', 'asistente', 'engenheiro', 'engenheira', 'ingeniero', 'ingeniera', 'desenvolvedor', 'desenvolvedora', 'programador', 'programadora',
  'administrador', 'administradora', 'representante', 'estagiario', 'estagiaria', 'manager', 'director', 'lead', 'gerenta', 'subgerente', 'subgerenta', 'subdirector',
  'subdirectora', 'subdiretor', 'subdiretora', 'chefa', 'lideresa', 'presidenta', 'svp', 'evp', 'avp', 'chief',
]
/** English titles written after their area: "marketing manager", "sales director". */
export const TRAILING_ROLES = [
  'manager', 'director', 'lead', 'head', 'specialist', 'analyst', 'engineer', 'coordinator', 'executive', 'representative', 'rep', 'consultant', 'officer', 'assistant',
  'developer', 'supervisor', 'strategist', 'associate', 'administrator',
]
/** Areas a title may be "of": departments, in the three languages. */
export const AREAS = [
  'customer experience', 'cx', 'customer success', 'customer service', 'customer care', 'experiencia do cliente', 'experiencia del cliente', 'operacoes', 'operacao', 'vendas', 'marketing', 'ti', 'tecnologia', 'tecnologia da informacao', 'produto', 'produtos', 'rh', 'recursos humanos', 'pessoas', 'financas',
  'financeiro', 'comercial', 'compras', 'logistica', 'atendimento', 'atendimento ao cliente', 'suporte', 'sucesso do cliente', 'projetos', 'engenharia', 'inovacao', 'growth',
  'crescimento', 'dados', 'negocios', 'novos negocios', 'parcerias', 'expansao', 'qualidade', 'frota', 'transporte', 'trafego', 'conteudo', 'comunicacao', 'relacionamento',
  'contas', 'canais', 'administrativo', 'administracao', 'juridico', 'contabilidade', 'controladoria', 'estrategia', 'e-commerce', 'ecommerce', 'digital', 'midia', 'design',
  'pre-vendas', 'inside sales', 'sdr', 'bdr', 'receita', 'sistemas', 'infraestrutura', 'seguranca', 'pos-venda', 'sales', 'operations', 'ops', 'it', 'technology', 'tech',
  'product', 'engineering', 'people', 'hr', 'human resources', 'finance', 'procurement', 'purchasing', 'logistics', 'customer service', 'customer success', 'support',
  'customer support', 'projects', 'innovation', 'data', 'business development', 'bizdev', 'partnerships', 'accounts', 'account', 'strategy', 'content', 'communications',
  'brand', 'demand generation', 'demand gen', 'revenue', 'revenue operations', 'revops', 'growth marketing', 'digital marketing', 'product marketing', 'general', 'office',
  'project', 'program', 'systems', 'infrastructure', 'security', 'fleet', 'ventas', 'operaciones', 'producto', 'finanzas', 'atencion al cliente', 'soporte', 'proyectos',
  'ingenieria', 'innovacion', 'datos', 'desarrollo de negocios', 'alianzas', 'cuentas', 'contenido', 'mercadeo', 'flota', 'seguridad', 'postventa', 'clientes',
  // Words before an English title: "Medical Director", "Creative Director", "Practice Manager".
  'medical', 'clinical', 'creative', 'art', 'technical', 'commercial', 'managing', 'regional', 'national', 'country', 'district', 'store', 'branch', 'practice', 'executive',
  // Short department names, read as written in titles ("head of CX", "VP Sales").
  'cx', 'ux', 'ui', 'qa', 'pr', 'bd', 'cs', 'ai', 'ia', 'ml', 'seo', 'crm', 'devops', 'customer experience', 'experiencia do cliente', 'experiencia del cliente', 'experiencia',
  'client services', 'client success', 'member services', 'patient experience', 'revenue operations', 'sales operations', 'sales ops', 'marketing operations', 'people ops',
  'talent', 'talent acquisition', 'recruiting', 'recrutamento', 'reclutamiento', 'compliance', 'legal', 'treasury', 'tesouraria', 'tesoreria', 'facilities', 'manutencao',
  'mantenimiento', 'maintenance', 'producao', 'produccion', 'production', 'expansion', 'franchising', 'franquias', 'franquicias', 'eventos', 'events', 'social media', 'midias sociais',
  'redes sociales', 'redes sociais', 'admisiones', 'admissions', 'admissoes', 'reservas', 'reservations', 'recepcion', 'recepcao', 'front desk', 'enfermagem', 'enfermeria', 'nursing',
]
/** Words after a pt/es title: "gerente comercial", "diretora financeira". */
export const ROLE_ADJECTIVES = [
  'comercial', 'financeiro', 'financeira', 'financiero', 'financiera', 'geral', 'general', 'executivo', 'executiva', 'ejecutivo', 'ejecutiva', 'operacional', 'administrativo',
  'administrativa', 'tecnico', 'tecnica', 'industrial', 'regional', 'nacional', 'adjunto', 'adjunta', 'senior', 'sr', 'junior', 'jr', 'pleno', 'juridico', 'juridica', 'de marketing',
  'medico', 'medica', 'clinico', 'clinica', 'academico', 'academica', 'pedagogico', 'pedagogica', 'cientifico', 'cientifica', 'operativo', 'operativa', 'adjunto',
  'corporativo', 'corporativa', 'digital', 'administrativo y financiero', 'administrativa y financiera', 'financeiro e administrativo', 'de vendas', 'de ventas', 'de operaciones',
]

/** Surnames that follow da/de/dos inside a name ("Maria da Silva"), so they are not read as a company. */
export const PARTICLE_SURNAMES = [
  'silva', 'souza', 'sousa', 'santos', 'costa', 'oliveira', 'almeida', 'lima', 'carvalho', 'jesus', 'paula', 'castro', 'moraes', 'morais', 'freitas', 'rocha', 'cruz', 'luz', 'paz',
  'conceicao', 'nascimento', 'fatima', 'lourdes', 'assis', 'mello', 'melo', 'andrade', 'barros', 'campos', 'fonseca', 'mota', 'matta', 'mata', 'sa', 'vega', 'leon', 'la fuente',
  'la cruz', 'la rosa', 'la torre', 'los santos', 'los rios', 'toro', 'rio', 'valle', 'silveira', 'souza lima', 'deus', 'aguiar', 'medeiros', 'miranda', 'ponte', 'vries',
]
/** Common surnames: a lower-case word after a lower-case first name is taken only if it is one. */
export const SURNAMES = [
  ...PARTICLE_SURNAMES, 'pereira', 'ferreira', 'rodrigues', 'gomes', 'martins', 'araujo', 'ribeiro', 'alves', 'barbosa', 'dias', 'moreira', 'cardoso', 'teixeira', 'correia',
  'mendes', 'pinto', 'lopes', 'fernandes', 'vieira', 'monteiro', 'ramos', 'reis', 'nunes', 'soares', 'moura', 'cavalcanti', 'machado', 'batista', 'azevedo', 'nogueira', 'pires',
  'smith', 'johnson', 'williams', 'brown', 'jones', 'miller', 'davis', 'wilson', 'taylor', 'garcia', 'martinez', 'lopez', 'gonzalez', 'hernandez', 'perez', 'sanchez', 'ramirez',
  'torres', 'flores', 'rivera', 'gomez', 'diaz', 'ruiz', 'romero', 'alvarez', 'fernandez', 'rodriguez', 'morales', 'ortiz', 'castillo', 'jimenez', 'vargas', 'herrera', 'medina',
]

/** Where people are from: "sou de São Paulo", "I'm from Brazil" name no company. */
export const PLACES = [
  'brasil', 'brazil', 'argentina', 'chile', 'mexico', 'colombia', 'peru', 'uruguai', 'uruguay', 'paraguai', 'paraguay', 'bolivia', 'venezuela', 'equador', 'ecuador', 'portugal',
  'espanha', 'espana', 'spain', 'eua', 'usa', 'us', 'estados unidos', 'united states', 'canada', 'uk', 'england', 'inglaterra', 'sao paulo', 'sp', 'rio', 'rio de janeiro', 'rj',
  'minas', 'minas gerais', 'mg', 'bahia', 'salvador', 'recife', 'pernambuco', 'fortaleza', 'ceara', 'curitiba', 'parana', 'porto alegre', 'rio grande do sul', 'rs',
  'santa catarina', 'sc', 'florianopolis', 'floripa', 'goias', 'goiania', 'brasilia', 'df', 'distrito federal', 'belo horizonte', 'bh', 'manaus', 'amazonas', 'belem', 'para',
  'espirito santo', 'vitoria', 'campinas', 'santos', 'natal', 'joao pessoa', 'paraiba', 'maceio', 'alagoas', 'sergipe', 'aracaju', 'teresina', 'piaui', 'sao luis', 'maranhao',
  'cuiaba', 'mato grosso', 'mato grosso do sul', 'campo grande', 'tocantins', 'acre', 'rondonia', 'roraima', 'amapa', 'interior', 'capital', 'nordeste', 'sul', 'norte', 'sudeste',
  'centro-oeste', 'buenos aires', 'cordoba', 'rosario', 'mendoza', 'santiago', 'lima', 'bogota', 'medellin', 'cali', 'cdmx', 'ciudad de mexico', 'mexico city', 'guadalajara',
  'monterrey', 'montevideo', 'asuncion', 'quito', 'caracas', 'madrid', 'barcelona', 'lisboa', 'lisbon', 'porto', 'new york', 'nyc', 'california', 'texas', 'florida', 'london',
  'londres', 'toronto', 'miami', 'europe', 'europa', 'latam', 'america latina', 'latin america', 'aqui', 'here', 'aca', 'alla', 'la', 'fora', 'abroad', 'afuera',
  // Days and months: "from Monday" is a time, not a company.
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'segunda', 'terca', 'quarta', 'quinta', 'sexta', 'sabado', 'domingo', 'lunes', 'martes',
  'miercoles', 'jueves', 'viernes', 'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'janeiro',
  'fevereiro', 'marco', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro', 'enero', 'febrero', 'junio', 'julio', 'septiembre',
  'octubre', 'noviembre', 'diciembre', 'today', 'tomorrow', 'hoje', 'amanha', 'hoy', 'manana', 'now', 'agora', 'ahora',
]
/** A company named only by its kind is no company name: "uma loja", "a startup". */
export const GENERIC_COMPANIES = [
  'empresa', 'minha empresa', 'nossa empresa', 'a empresa', 'company', 'my company', 'our company', 'the company', 'startup', 'a startup', 'loja', 'negocio', 'business',
  'small business', 'pequena empresa', 'empresa pequena', 'agencia', 'agency', 'consultoria', 'escola', 'la empresa', 'mi empresa', 'nuestra empresa', 'tienda', 'firma',
  'companhia', 'compania', 'casa', 'home', 'setor', 'departamento', 'area', 'time', 'equipe', 'team', 'equipo', 'filial', 'sucursal', 'familia', 'family', 'mim', 'me', 'mi', 'ti', 'voce', 'voces', 'you', 'usted', 'ustedes', 'vcs', 'vc',
]
/** Words that end a company written in lower case: "acme e preciso", "acme logistics and we need". */
export const COMPANY_STOP = [
  'e', 'and', 'y', 'que', 'where', 'which', 'who', 'onde', 'donde', 'em', 'in', 'no', 'na', 'en', 'ha', 'faz', 'hace', 'desde', 'since', 'for', 'por', 'com', 'with', 'con', 'mas',
  'but', 'pero', 'porque', 'because', 'pois', 'aqui', 'here', 'aca', 'hoje', 'today', 'hoy', 'preciso', 'precisamos', 'quero', 'queremos', 'queria', 'gostaria', 'tenho', 'temos',
  'estou', 'estamos', 'sou', 'somos', 'need', 'want', 'we', 'i', 'im', 'am', 'is', 'are', 'necesito', 'necesitamos', 'quiero', 'tengo', 'tenemos', 'estoy', 'soy', 'como', 'as',
  'at', 'a', 'o', 'the', 'to', 'para', 'pra', 'de', 'da', 'do', 'of', 'sobre', 'about', 'e-mail', 'email', 'telefone', 'phone', 'whatsapp', 'meu', 'minha', 'my', 'mi', 'nosso',
  'nossa', 'our', 'nuestro', 'nuestra', 'ja', 'already', 'ya', 'tambem', 'also', 'tambien', 'atualmente', 'currently', 'actualmente', 'e-commerce',
]
/** Words that never start or continue a person's name read after "sou", "I'm", "soy", "<name> aqui". */
export const NAME_STOP = [
  'estou', 'estamos', 'to', 'tamo', 'tem', 'temos', 'tenho', 'quero', 'queremos', 'queria', 'preciso', 'precisamos', 'sou', 'somos', 'era', 'foi', 'vou', 'vamos', 'posso',
  'pode', 'fico', 'fica', 'moro', 'trabalho', 'trabalhamos', 'gostaria', 'i', 'we', 'am', 'are', 'is', 'was', 'have', 'need', 'want', 'work', 'live', 'estoy', 'tengo', 'tenemos',
  'quiero', 'necesito', 'necesitamos', 'trabajo', 'vivo', 'soy', 'todo', 'tudo', 'nada', 'algo', 'isso', 'isto', 'eso', 'esto', 'that', 'this', 'it', 'ele', 'ela', 'eles',
  'elas', 'nos', 'gente', 'vcs', 'e', 'and', 'y', 'ou', 'or', 'o', 'a', 'de', 'da', 'do', 'dos', 'das', 'del', 'la', 'el', 'los', 'las', 'em', 'na', 'no', 'en', 'com', 'con',
  'para', 'pra', 'por', 'que', 'aqui', 'here', 'aca', 'falando', 'speaking', 'hablando', 'beleza', 'blz', 'bem', 'tranquilo', 'urgent', 'urgente', 'ready', 'pronto', 'pronta',
  'available', 'disponivel', 'disponible', 'interested', 'sure', 'certain', 'certo', 'certa', 'seguro', 'segura', 'afraid', 'based', 'located', 'localizado', 'responsible',
  'in', 'on', 'at', 'of', 'for', 'by', 'as', 'como', 'uma', 'um', 'una', 'un', 'an', 'meu', 'minha', 'my', 'mi', 'seu', 'sua', 'your', 'tu', 'su', 'outra', 'outro', 'otro',
  'otra', 'another', 'other', 'mais', 'more', 'mas', 'menos', 'less', 'muito', 'much', 'very', 'muy', 'sim', 'nao', 'yes', 'not', 'si', 'back', 'de volta', 'again', 'denovo',
  'novamente', 'ainda', 'still', 'todavia', 'mucho', 'mucha', 'muchos', 'muchas', 'siempre', 'sempre', 'always', 'nunca', 'never', 'about', 'back', 'poco', 'pouco',
  'bastante', 'seguido', 'cuando', 'quando', 'when', 'if', 'so', 'tanto', 'later', 'depois', 'despues', 'luego', 'customers', 'clients', 'clientes', 'leads', 'users', 'usuarios',
  'people', 'everyone', 'everybody', 'todos', 'todo mundo', 'oi', 'ola', 'hi', 'hello', 'hola', 'hey', 'bom', 'boa', 'good', 'buen', 'buena', 'buenos', 'buenas', 'dia', 'tarde', 'noite',
]

/** Words that name a kind of business: a "name" holding one is a company ("Bright Smile Dental here"). */
export const BUSINESS_WORDS = [
  'dental', 'odonto', 'odontologia', 'odontologica', 'clinic', 'clinica', 'clinicas', 'medical', 'medico', 'centro', 'center', 'centre', 'hospital', 'farmacia', 'pharmacy', 'drogaria',
  'padaria', 'panaderia', 'bakery', 'ferreteria', 'hardware', 'loja', 'lojas', 'tienda', 'tiendas', 'store', 'stores', 'shop', 'boutique', 'salon', 'salao', 'studio', 'estudio',
  'restaurante', 'restaurant', 'cafe', 'cafeteria', 'bar', 'pizzaria', 'pizzeria', 'hotel', 'pousada', 'hostel', 'motors', 'motos', 'auto', 'autos', 'autopecas', 'oficina',
  'taller', 'garage', 'logistics', 'logistica', 'transportes', 'transportadora', 'imports', 'importadora', 'exports', 'exportadora', 'distribuidora', 'distribuidor',
  'distribution', 'imobiliaria', 'inmobiliaria', 'realty', 'imoveis', 'properties', 'construtora', 'constructora', 'construction', 'engenharia', 'ingenieria', 'consultoria',
  'consulting', 'agencia', 'agency', 'marketing', 'digital', 'tech', 'tecnologia', 'technologies', 'software', 'solutions', 'solucoes', 'soluciones', 'sistemas', 'systems',
  'services', 'servicos', 'servicios', 'group', 'grupo', 'holding', 'partners', 'associados', 'asociados', 'associates', 'company', 'co', 'inc', 'ltda', 'llc', 'ltd', 'corp',
  'eireli', 'srl', 'sas', 'gmbh', 'industria', 'industrias', 'industries', 'comercio', 'mercado', 'mercadinho', 'supermercado', 'supermercados', 'market', 'foods',
  'alimentos', 'academia', 'gym', 'fitness', 'escola', 'escuela', 'school', 'colegio', 'institute', 'instituto', 'labs', 'lab', 'laboratorio', 'veterinaria', 'petshop', 'pet',
  'grooming', 'modas', 'moda', 'fashion', 'beauty', 'beleza', 'belleza', 'estetica', 'spa', 'barbearia', 'barberia', 'contabilidade', 'contabilidad', 'advocacia', 'abogados',
  'law', 'seguros', 'insurance', 'bank', 'banco', 'financeira', 'financiera', 'capital', 'telecom', 'cloud', 'media', 'midia', 'imports', 'vidracaria', 'vidrieria', 'climatizacao',
  'refrigeracao', 'eletrica', 'electrica', 'papelaria', 'papeleria', 'livraria', 'libreria', 'otica', 'optica', 'joalheria', 'joyeria', 'floricultura', 'floreria', 'lavanderia',
  'farms', 'farm', 'fazenda', 'granja', 'agro', 'agropecuaria', 'coffee', 'cafes', 'brewing', 'cerveceria', 'cervejaria', 'hermanos', 'irmaos', 'filhos', 'hijos', 'sons',
]
